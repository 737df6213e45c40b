from django.http import HttpRequest, HttpResponse

def incident_list(request: HttpRequest) -> HttpResponse:
    return HttpResponse("todo")

def incident_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return HttpResponse("todo")
